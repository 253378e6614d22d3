import { TwinClock } from './clock';
import { type Directory, SEEDED, seedDirectory } from './directory';
import { DefenderTwin } from './defender/server';
import { EntraTwin } from './entra';
import { type TeamsCloud, TeamsTwin } from './teams';
import { ensureTwinCertificates } from './tls';

export interface TwinOptions {
  /** Seed of the simulated Defender tenant's data. */
  seed?: number;
  /** Where the Teams twin posts activities (the bot's /api/messages). */
  botEndpoint?: string;
  ports?: { entra?: number; teams?: number; defender?: number };
  /** The Teams channel's cloud (`usGovernment`: GCC High). */
  teamsCloud?: TeamsCloud;
}

/** The whole simulated tenant: Entra ID, the Teams channel and the Defender API, on loopback HTTPS. */
export interface Twin {
  clock: TwinClock;
  directory: Directory;
  entra: EntraTwin;
  teams: TeamsTwin;
  defender: DefenderTwin;
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
  return {
    clock, directory, entra, teams, defender, caPath,
    close: async () => {
      await Promise.all([teams.close(), defender.close()]);
      await entra.close();
    },
  };
}
