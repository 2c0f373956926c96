import base from './jest.config';

/** `npm run test:voice`: the voice conversation through the fleet with fake providers. */
export default {
  ...base,
  displayName: 'e2e-voice',
  testMatch: ['<rootDir>/voice.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
