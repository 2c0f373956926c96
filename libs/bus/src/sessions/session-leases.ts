import { PIPELINE_STAGES, type LeaseDomain } from '@voxbridge/contracts';
import type { Bus } from '../bus';
import { leaseBucketName } from './session-host';

/** What is read of a lease bucket. */
interface LeaseBucket {
  get(sessionId: string): Promise<{ operation: string } | null>;
}

/**
 * Read-only view of the session protocol's leases, for a service that does not hold any: whether
 * some replica holds a session now — i.e. a gateway has kept claiming it within the lease, so its
 * client is connected. A bucket that does not exist yet holds nothing (and is not created).
 * The reader needs `$JS.API.INFO` and `$JS.API.STREAM.MSG.GET.KV_<bucket>` on NATS.
 */
export class SessionLeases {
  private readonly buckets = new Map<LeaseDomain, LeaseBucket>();

  constructor(
    private readonly bus: Bus,
    private readonly domains: readonly LeaseDomain[] = PIPELINE_STAGES,
  ) {}

  /** Throws when a bucket cannot be read (e.g. no permission): not knowing is not "free". */
  async held(sessionId: string): Promise<boolean> {
    for (const domain of this.domains) {
      const entry = await (await this.bucket(domain)).get(sessionId);
      if (entry && entry.operation === 'PUT') return true;
    }
    return false;
  }

  private async bucket(domain: LeaseDomain): Promise<LeaseBucket> {
    const known = this.buckets.get(domain);
    if (known) return known;
    // Binding checks nothing: a bucket no replica has created yet answers every get with null.
    // Any other failure (no JetStream, no permission to read it) throws: the caller cannot tell.
    const kv = await this.bus.connection.jetstream().views.kv(leaseBucketName(this.bus.namespace, domain), { bindOnly: true });
    this.buckets.set(domain, kv);
    return kv;
  }
}
