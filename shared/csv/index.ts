export * from './read-report.js';
export * from './fields.js';
export { REPORT_FIELD_ALIASES, REQUIRED_FIELDS, mapHeader, normaliseHeaderName } from './header.js';
