// A fake Discord (REST, gateway, voice server) speaking the real protocols (usable outside jest).
export * from './control';
export * from './fake-discord';
export * from './gateway';
export * from './model';
export * from './opus';
export * from './rest';
export * from './rtp';
export * from './tls';
export * from './voice-server';
