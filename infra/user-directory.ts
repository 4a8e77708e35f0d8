import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolDomain,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES, type Role } from '../shared/auth/principal.js';
import type { Stage } from './config.js';

/** The groups are the API's roles (docs/api.md): a user belongs to exactly one. */
export const GROUP_DESCRIPTIONS: Record<Role, string> = {
  finance: 'Finance: sees everything, closes quarters, exports',
  program: 'Program managers: reference data, catalog, preview',
  manager: 'Partner managers: partners of the regions in custom:regions',
  distributor: 'Distributors: own reports and uploads (custom:distributor)',
};

/** Custom attributes, read by the API from the ID token as `custom:<name>`. */
export const CUSTOM_ATTRIBUTES = {
  /** Partner manager's territory: comma-separated partner regions. */
  regions: { maxLen: 512 },
  /** Distributor user's distributor ID (the folder under incoming/). */
  distributor: { maxLen: 64 },
} as const;

/** The hosted sign-in domain prefix of a stage; prefixes are global per region, hence the account. */
export function signInDomainPrefix(stage: Stage): string {
  return `rebates-${stage}-${Aws.ACCOUNT_ID}`;
}

/** The hosted sign-in pages' origin, known before the domain resource exists (for CSP and config). */
export function signInOrigin(stage: Stage): string {
  return `https://${signInDomainPrefix(stage)}.auth.${Aws.REGION}.amazoncognito.com`;
}

export interface UserDirectoryProps {
  readonly stage: Stage;
  readonly mfaRequired: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** The dashboard's address (`https://…/`): the only sign-in callback and sign-out target. */
  readonly dashboardUrl: string;
}

/**
 * The Cognito user pool behind the HTTP API's JWT authorizer: administrators create the users (no
 * self sign-up), put each in one role group and set the custom attributes; the dashboard signs in
 * through the hosted UI with the authorization code grant and PKCE.
 */
export class UserDirectory extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly domain: UserPoolDomain;
  readonly groups: Record<Role, UserPoolGroup>;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'Pool', {
      userPoolName: `rebates-${props.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      // Mutable so administrators can change a territory; the client below cannot write them.
      customAttributes: {
        regions: new StringAttribute({ ...CUSTOM_ATTRIBUTES.regions, mutable: true }),
        distributor: new StringAttribute({ ...CUSTOM_ATTRIBUTES.distributor, mutable: true }),
      },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP only: SMS needs an SNS spending limit and a role, and is the weaker factor.
      mfa: props.mfaRequired ? Mfa.REQUIRED : Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus tier: threat protection blocks sign-ins with leaked or brute-forced credentials.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: 'Your rebates dashboard account',
        emailBody:
          `You have an account on the rebates dashboard ${props.dashboardUrl} . ` +
          'User name: {username}. Temporary password: {####} (valid for 3 days; you will choose your own and ' +
          'set up an authenticator app at the first sign-in).',
      },
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });

    this.groups = Object.fromEntries(
      ROLES.map((role) => [
        role,
        new UserPoolGroup(this, `Group-${role}`, {
          userPool: this.userPool,
          groupName: role,
          description: GROUP_DESCRIPTIONS[role],
        }),
      ]),
    ) as Record<Role, UserPoolGroup>;

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: signInDomainPrefix(props.stage) },
    });

    this.client = this.userPool.addClient('Dashboard', {
      userPoolClientName: 'dashboard',
      // A browser app cannot keep a secret: a public client, which Cognito requires to use PKCE.
      generateSecret: false,
      // Sign-in only through the hosted pages: direct SDK flows off, refresh tokens on.
      authFlows: { userSrp: false },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [props.dashboardUrl],
        logoutUrls: [props.dashboardUrl],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      // Users may edit their name and e-mail only; role groups and custom attributes are the admins'.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true, fullname: true }),
    });

    if (!props.mfaRequired) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is optional in dev only, which holds test data and throwaway test accounts; prod requires TOTP.',
      });
    }
  }
}
