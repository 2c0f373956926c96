// Fake n8n webhook (the n8n plugin's tests).
export * from './fake-n8n-webhook';
