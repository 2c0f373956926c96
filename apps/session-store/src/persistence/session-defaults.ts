/** The title of a session nobody named yet; the migration's column default says the same. */
export const DEFAULT_SESSION_TITLE = 'New Conversation';
