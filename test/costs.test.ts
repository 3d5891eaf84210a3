import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  costSection,
  countAlarmMetrics,
  END,
  fixedCosts,
  loadModel,
  START,
  variableCosts,
} from '../scripts/costs.js';

const model = loadModel();
const countries = Object.keys(model.smsPerMessage.countries);
const alarmMetrics = countAlarmMetrics(countries);

describe('the cost model', () => {
  it('is the table in the README, as `npm run costs -- --write` makes it', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END)).trim();
    expect(section).toBe(costSection(model, alarmMetrics));
  });

  it('names the page and the date of every price it uses', () => {
    for (const [name, price] of Object.entries(model.prices)) {
      expect(price.source, name).toMatch(/^https:\/\/aws\.amazon\.com\//);
      expect(price.asOf, name).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.usd, name).toBeGreaterThan(0);
    }
    expect(model.smsPerMessage.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    expect(model.smsPerMessage.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('multiplies usage by price: 10,000 SMS at $0.0422 are $422, 10,000 emails at $0.10 a thousand $1', () => {
    expect(model.validationsPerMonth).toBe(10_000);
    expect(variableCosts(model, model.usage.msisdn, 0.0422)['SNS SMS']).toBeCloseTo(422, 6);
    expect(variableCosts(model, { ...model.usage.email, emails: 1 }, 0).SES).toBeCloseTo(1, 6);
    // 4 invocations × 10,000 at $0.20 a million, and 240 ms × 0.25 GB × 10,000 at the Arm price.
    expect(variableCosts(model, model.usage.email, 0).Lambda).toBeCloseTo(
      0.04 * model.prices.lambdaRequestPerMillion.usd + 600 * model.prices.lambdaArmGbSecond.usd,
      9,
    );
  });

  it('counts the alarms the construct deploys for those countries, a metric-math alarm by its metrics', () => {
    // 7 + 2 per country: spend ×2, SMS an hour, conversion, SMS success, refusals, slow answers,
    // SES ×2, delivery ×2, 6 functions × (errors, throttles), API 5xx, DynamoDB throttles; and
    // three alarms that each read two metrics.
    expect(alarmMetrics).toBe(2 + 1 + countries.length + 1 + 1 + 1 + 1 + 2 + 2 + 12 + 1 + 1 + 3);
    expect(Object.keys(fixedCosts(model, alarmMetrics))[0]).toBe(
      `CloudWatch alarms (${alarmMetrics} alarm metrics)`,
    );
  });
});
