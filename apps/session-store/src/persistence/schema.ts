import { SERVICES } from '@voxbridge/contracts';
import type { ServiceSchema } from '@voxbridge/persistence';
import { MessageEntity } from './message.entity';
import { InitSessionStoreSchema1764028800000 } from './migrations/1764028800000-init-schema';
import { SessionsAndMessages1764115200000 } from './migrations/1764115200000-sessions-and-messages';
import { TurnFactsAndTimeline1796500000000 } from './migrations/1796500000000-turn-facts-and-timeline';
import { SessionsCreatedByKey1796600000000 } from './migrations/1796600000000-sessions-created-by-key';
import { MessageSpeakers1796700000000 } from './migrations/1796700000000-message-speakers';
import { MessageErrors1796800000000 } from './migrations/1796800000000-message-errors';
import { ConversationSearch1796900000000 } from './migrations/1796900000000-conversation-search';
import { SessionLastSeen1797000000000 } from './migrations/1797000000000-session-last-seen';
import { SessionEntity } from './session.entity';

/** What session-store keeps in Postgres. Migrations in order; `npm run migrate` finds this file by its path. */
export const serviceSchema: ServiceSchema = {
  service: 'session-store',
  schema: SERVICES['session-store'].schema,
  migrations: [
    InitSessionStoreSchema1764028800000,
    SessionsAndMessages1764115200000,
    TurnFactsAndTimeline1796500000000,
    SessionsCreatedByKey1796600000000,
    MessageSpeakers1796700000000,
    MessageErrors1796800000000,
    ConversationSearch1796900000000,
    SessionLastSeen1797000000000,
  ],
  entities: [SessionEntity, MessageEntity],
};
