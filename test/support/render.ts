/** The English sentences tests read, rendered as a reader gets them. */
import type { PointsEarning } from '../../shared/domain/points.js';
import { causesText, explainLine, pointsReason, progressSummary, warningText } from '../../shared/domain/render/index.js';
import type { ChangeCause, ExplainedLine, PayoutWarning, TierProgress } from '../../shared/domain/types.js';

export const said = (line: ExplainedLine): string => explainLine(line, 'en');
export const summary = (p: TierProgress): string => progressSummary(p, 'en');
export const reasonOf = (e: PointsEarning): string => pointsReason(e.reason, 'en');
export const warned = (w: PayoutWarning): string => warningText(w, 'en');
export const because = (causes: ChangeCause[]): string => causesText(causes, 'en');
