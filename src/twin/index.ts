import { TwinClock } from './clock';
import { type Directory, SEEDED, seedDirectory } from './directory';
import { DefenderTwin } from './defender/server';
import { EntraTwin } from './entra';
import { GraphTwin } from './graph/server';
import { type TeamsCloud, TeamsTwin } from './teams';
import { ensureTwinCertificates } from './tls';

export interface TwinOptions {
  /** Seed of the simulated Defender tenant's data. */
  seed?: number;
  /** Where the Teams twin posts activities (the bot's /api/messages). */
  botEndpoint?: string;
  ports?: { entra?: number; teams?: number; defender?: number; graph?: number };
  /** The Teams channel's cloud (`usGovernment`: GCC High). */
  teamsCloud?: TeamsCloud;
}

/** The whole simulated tenant: Entra ID, the Teams channel, the Defender API and Graph security, on loopback HTTPS. */
export interface Twin {
  clock: TwinClock;
  directory: Directory;
  entra: EntraTwin;
  teams: TeamsTwin;
  defender: DefenderTwin;
  graph: GraphTwin;
  caPath: string;
  close(): Promise<void>;
}

export async function startTwin(options: TwinOptions = {}): Promise<Twin> {
  const { caPath } = ensureTwinCertificates();
  const clock = new TwinClock();
  const directory = seedDirectory();
  const entra = await EntraTwin.start({ directory, clock, port: options.ports?.entra });
  const teams = await TeamsTwin.start({
    entra, clock, botAppId: SEEDED.botAppId, botEndpoint: options.botEndpoint, port: options.ports?.teams, cloud: options.teamsCloud,
  });
  const defender = await DefenderTwin.start({ entra, clock, seed: options.seed, port: options.ports?.defender });
  const graph = await GraphTwin.start({ entra, defender, clock, port: options.ports?.graph });
  return {
    clock, directory, entra, teams, defender, graph, caPath,
    close: async () => {
      await Promise.all([teams.close(), defender.close(), graph.close()]);
      await entra.close();
    },
  };
}
