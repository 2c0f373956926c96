import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AuthContracts, ErrorCode, queueGroup, type VerifiedCredential, type VerifyCredentialRequest } from '@voxbridge/contracts';
import { SessionsService } from '../sessions/sessions.service';
import { CredentialRefused, VoiceTokenService } from './voice-token.service';

/** A refusal as the bus sends it back (`code` and `message` become the error reply). */
class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
  readonly code = ErrorCode.Unauthorized;
}

/** Bus edge: `auth.v1.credential.verify` for webrtc-gateway's voice socket, answered by any replica. */
@Injectable()
export class CredentialsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly tokens: VoiceTokenService,
    private readonly sessions: SessionsService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'agent-api');
    this.subscriptions = [this.bus.serve(AuthContracts.verify, (request) => this.verify(request), { queue })];
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }

  private async verify({ credential, agent_id, session_id }: VerifyCredentialRequest): Promise<VerifiedCredential> {
    let verified: VerifiedCredential;
    try {
      verified = await this.tokens.verify(credential, agent_id);
    } catch (error) {
      throw error instanceof CredentialRefused ? new Unauthorized(error.message) : error;
    }
    if (session_id !== undefined) {
      // Another key's session is "not found", as a missing one; session-store's own failures pass through with their code.
      await this.sessions.assertVisible({ keyId: verified.key_id, role: verified.role }, session_id);
    }
    return verified;
  }
}
