/**
 * RATE_LIMITS for tests that drive many requests from one client, one address and one session
 * but are not about the limits: every limit still applies (Lambda refuses `off`), just far away,
 * and a session may send again at once.
 */
export const GENEROUS_RATE_LIMITS = JSON.stringify({
  ip: { hour: 100_000, day: 100_000 },
  ip48: { hour: 100_000, day: 100_000 },
  address: { hour: 100_000, day: 100_000 },
  smsBlock: { hour: 100_000, day: 100_000 },
  smsCountry: { hour: 100_000, day: 100_000 },
  smsGlobal: { hour: 100_000, day: 100_000 },
  emailGlobal: { hour: 100_000, day: 100_000 },
  guessesPerAddressHour: 100_000,
  resendSpacingSeconds: [0, 0],
});
