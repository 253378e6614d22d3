/** Waits (polling) until `check` passes: for work the bot or the notifier does after answering. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, pollMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}
