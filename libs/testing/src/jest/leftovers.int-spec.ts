import { connect } from 'nats';
import { Client } from 'pg';
import { testInfra } from '../test-env';
import { removeRunLeftovers } from './leftovers';

describe(removeRunLeftovers.name, () => {
  it("removes the streams and databases named with the run's id, and nothing of another run", async () => {
    const { natsUrl, serverUrl } = testInfra();
    const [ours, theirs] = ['a1b2c3', 'd4e5f6'];
    const nc = await connect({ servers: natsUrl });
    const jsm = await nc.jetstreamManager();
    const pg = new Client({ connectionString: serverUrl });
    await pg.connect();
    try {
      for (const run of [ours, theirs]) {
        const ns = `E2E${run.toUpperCase()}0A1B2C3D`;
        await jsm.streams.add({ name: `${ns}_SESSIONS`, subjects: [`${ns.toLowerCase()}.sessions.v1.evt.>`] });
        await jsm.streams.add({ name: `KV_${ns}_LEASES_STT`, subjects: [`$KV.${ns}_LEASES_STT.>`] });
        await pg.query(`create database "vb_e2e_fleet_${run}_x1_y2"`);
      }

      expect(await removeRunLeftovers(natsUrl, serverUrl, ours)).toEqual([]);

      const streams: string[] = [];
      for await (const stream of jsm.streams.list()) streams.push(stream.config.name);
      expect(streams.filter((name) => /A1B2C3|D4E5F6/.test(name)).sort()).toEqual(['E2ED4E5F60A1B2C3D_SESSIONS', 'KV_E2ED4E5F60A1B2C3D_LEASES_STT']);
      const { rows } = await pg.query<{ datname: string }>(`select datname from pg_database where datname like 'vb_e2e_fleet_%_x1_y2'`);
      expect(rows.map((row) => row.datname)).toEqual([`vb_e2e_fleet_${theirs}_x1_y2`]);
    } finally {
      for (const name of ['E2ED4E5F60A1B2C3D_SESSIONS', 'KV_E2ED4E5F60A1B2C3D_LEASES_STT', 'E2EA1B2C30A1B2C3D_SESSIONS', 'KV_E2EA1B2C30A1B2C3D_LEASES_STT']) {
        await jsm.streams.delete(name).catch(() => undefined);
      }
      await pg.query(`drop database if exists "vb_e2e_fleet_${theirs}_x1_y2"`);
      await pg.query(`drop database if exists "vb_e2e_fleet_${ours}_x1_y2"`);
      await pg.end();
      await nc.close();
    }
  });

});
