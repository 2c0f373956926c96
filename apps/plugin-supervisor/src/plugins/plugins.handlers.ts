import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Bus, type BusSubscription } from '@voxbridge/bus';
import { PluginContracts } from '@voxbridge/contracts';
import { ServiceIdentity } from '@voxbridge/platform';
import { PluginsService } from './plugins.service';

/**
 * Bus edge: every replica answers `plugins.v1.runtime.list` with the plugins it holds and
 * `plugins.v1.plugin.control` for the one it holds (no queue group: agent-api gathers).
 */
@Injectable()
export class PluginsHandlers implements OnApplicationBootstrap, OnApplicationShutdown {
  private subscriptions: BusSubscription[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly identity: ServiceIdentity,
    private readonly plugins: PluginsService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscriptions = [
      this.bus.serve(PluginContracts.runtime, (req) => ({ instance_id: this.identity.instanceId, plugins: this.plugins.runtime(req.agent_id) })),
      this.bus.serve(PluginContracts.control, (req) => this.plugins.control(req)),
    ];
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriptions = this.subscriptions;
    this.subscriptions = [];
    for (const subscription of subscriptions) subscription.unsubscribe();
    await Promise.all(subscriptions.map((subscription) => subscription.closed));
  }
}
