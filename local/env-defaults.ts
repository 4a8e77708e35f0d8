/**
 * Quiet defaults for the command line, set before any handler module is loaded (their loggers read
 * the environment when created). Lambda keeps Powertools' own defaults. Override any of them by
 * setting it yourself, e.g. POWERTOOLS_LOG_LEVEL=INFO to see every handler's log line.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'rebates-local';
// Lambda runs Node 22; the SDK's advice to upgrade a developer's Node 20 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
