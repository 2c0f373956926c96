'use strict';
// A VoxBridge plugin as a third party writes it (docs/plugins.md walks through it). Plain
// JavaScript, no build step; TypeScript authors write the same with `definePlugin` and decorators.
const { ArrayMaxSize, IsArray, IsOptional, IsString, IsUrl, MaxLength } = require('class-validator');

/** The plugin's config schema: the agent's `plugins["keyword-alert"]`, checked before `create`. */
class KeywordAlertConfig {}
// Decorators applied by hand (plain JS has no decorator syntax yet).
IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] })(KeywordAlertConfig.prototype, 'url');
IsArray()(KeywordAlertConfig.prototype, 'keywords');
ArrayMaxSize(50)(KeywordAlertConfig.prototype, 'keywords');
IsString({ each: true })(KeywordAlertConfig.prototype, 'keywords');
IsOptional()(KeywordAlertConfig.prototype, 'channel');
MaxLength(100)(KeywordAlertConfig.prototype, 'channel');

module.exports = {
  type: 'keyword-alert',
  configSchema: KeywordAlertConfig,
  // Stored encrypted by agent-api, decrypted only in plugin-supervisor and handed to this process.
  secretFields: ['url'],

  // Checks beyond the schema: field → problems (empty when valid).
  validate(config) {
    return config.keywords.length === 0 ? { keywords: ['name at least one keyword'] } : {};
  },

  create(config, context) {
    const keywords = config.keywords.map((word) => word.toLowerCase());
    const counters = { alerts: 0, failures: 0 };
    const report = () =>
      context.reportHealth({ state: counters.failures > 0 ? 'degraded' : 'ok', counters: { ...counters } });

    return {
      initialize() {
        // Open connections, load state… Throwing here fails the start (the supervisor retries with backoff).
        context.logger.info('keyword alert ready', { keywords: keywords.length });
      },
      start() {
        report();
      },
      async onUserMessage(message) {
        const text = message.text.toLowerCase();
        const hit = keywords.find((word) => text.includes(word));
        if (!hit) return;
        const response = await fetch(config.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            alert: 'keyword',
            keyword: hit,
            channel: config.channel ?? null,
            session_id: message.sessionId,
            agent: context.agentName,
            speaker: message.speaker ?? null,
            text: message.text,
            at: message.at,
          }),
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
        if (response && response.ok) counters.alerts += 1;
        else counters.failures += 1;
        report();
      },
      stop() {
        context.logger.info('keyword alert stopped', { alerts: counters.alerts });
      },
    };
  },
};
