import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { AuthSubjects, ErrorCode, queueGroup, VerifyCredentialRequest, type VerifiedCredential } from '@voxbridge/contracts';
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
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'agent-api');
    this.subscriptions = [this.bus.serveJson(AuthSubjects.verify, VerifyCredentialRequest, (request) => this.verify(request), { queue })];
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }

  private async verify({ credential, agent_id }: VerifyCredentialRequest): Promise<VerifiedCredential> {
    try {
      return await this.tokens.verify(credential, agent_id);
    } catch (error) {
      throw error instanceof CredentialRefused ? new Unauthorized(error.message) : error;
    }
  }
}
