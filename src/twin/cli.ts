/** `npm run twin`: the simulated tenant on its own, for curl or a bot pointed at it by URL. */
import { SEEDED } from './directory';
import { startTwin } from './index';

async function main(): Promise<void> {
  const port = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  const twin = await startTwin({
    seed: port('TWIN_SEED'),
    botEndpoint: process.env.TWIN_BOT_ENDPOINT,
    ports: { entra: port('TWIN_ENTRA_PORT'), teams: port('TWIN_TEAMS_PORT'), defender: port('TWIN_DEFENDER_PORT') },
  });
  console.log(`entra: ${twin.entra.baseUrl}`);
  console.log(`teams: ${twin.teams.baseUrl}`);
  console.log(`defender: ${twin.defender.baseUrl}`);
  console.log(`ca: ${twin.caPath}`);
  console.log(`tenant: ${SEEDED.tenantId}`);
  console.log(`app: ${SEEDED.botAppId} ${SEEDED.botAppSecret}`);
  // The simulated attack's next step (a new or changed alert), on demand: loopback only, no token.
  console.log(`raise: curl --cacert ${twin.caPath} -X POST ${twin.defender.baseUrl}/twin/storyline/next`);

  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void twin.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`twin failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
