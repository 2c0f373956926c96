import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, BusError, BusNoRespondersError, type BusSubscription } from '@voxbridge/bus';
import { DiscordContracts, discordInstanceContracts, ErrorCode, queueGroup, type DiscordInstanceContracts, type RequestContract } from '@voxbridge/contracts';
import { BotsError, botsErrorToBus } from './bots.errors';
import { BotsService } from './bots.service';

type Call = keyof DiscordInstanceContracts;

/**
 * Bus edge of the bots: `discord.v1.voice.join|leave|status` reach one replica (queue group); it
 * answers for a bot it runs, or passes the call to the replica that does
 * (`discord.v1.instance.<id>.voice-*`, served by each replica for its own bots).
 */
@Injectable()
export class BotsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly bots: BotsService,
  ) {}

  onApplicationBootstrap(): void {
    const queue = queueGroup(this.bus.namespace, 'discord-connector');
    const mine = discordInstanceContracts(this.bots.instanceId);
    this.subscriptions = [
      this.bus.serve(DiscordContracts.status, (req) => this.route('status', req, () => this.bots.status(req.agent_id)), { queue }),
      this.bus.serve(DiscordContracts.join, (req) => this.route('join', req, () => this.bots.join(req)), { queue }),
      this.bus.serve(DiscordContracts.leave, (req) => this.route('leave', req, () => this.bots.leave(req)), { queue }),
      this.bus.serve(mine.status, (req) => this.local(() => this.bots.status(req.agent_id))),
      this.bus.serve(mine.join, (req) => this.local(() => this.bots.join(req))),
      this.bus.serve(mine.leave, (req) => this.local(() => this.bots.leave(req))),
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }

  private async route<Req extends { agent_id: string }, Res extends object>(call: Call, req: Req, here: () => Res | Promise<Res>): Promise<Res> {
    if (this.bots.holds(req.agent_id)) return this.local(here);
    const owner = this.bots.ownerOf(req.agent_id);
    if (owner && owner !== this.bots.instanceId) {
      const contract = discordInstanceContracts(owner)[call] as unknown as RequestContract<Req, Res>;
      try {
        return await this.bus.call(contract, req);
      } catch (error) {
        if (!(error instanceof BusNoRespondersError)) throw error;
        throw new BusError(ErrorCode.Unavailable, `the replica running the agent's discord bot is gone; another takes it over within seconds`, { cause: error });
      }
    }
    if (!this.bots.listed) throw new BusError(ErrorCode.Unavailable, `this discord-connector replica has not read the bot list from agent-api yet; try again in a few seconds`);
    if (!this.bots.knows(req.agent_id)) throw new BusError(ErrorCode.NotFound, `agent ${req.agent_id} has no enabled discord bot`);
    throw new BusError(ErrorCode.Unavailable, `the agent's discord bot is starting; try again in a few seconds`);
  }

  private async local<Res>(here: () => Res | Promise<Res>): Promise<Res> {
    try {
      return await here();
    } catch (error) {
      throw error instanceof BotsError ? botsErrorToBus(error) : error;
    }
  }
}
