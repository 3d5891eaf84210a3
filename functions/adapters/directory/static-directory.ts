import { readFileSync } from 'node:fs';
import { canonicalAddress } from '../../core/address.js';
import { MEDIA, type Medium, type Threepid } from '../../core/model.js';
import type { ThreepidDirectory } from '../../core/ports.js';

export interface ThreepidBinding {
  readonly medium: Medium;
  readonly address: string;
  readonly user_id: string;
}

/**
 * A fixed list of bindings, for local mode and tests. Addresses are canonicalised on load, so the
 * file may hold them as people write them (`Alice@Example.org`, `+44 7700 900123`).
 */
export class StaticThreepidDirectory implements ThreepidDirectory {
  private readonly bindings: ReadonlyMap<string, string>;

  constructor(bindings: readonly ThreepidBinding[] = []) {
    this.bindings = new Map(
      bindings.map((binding) => [keyOf(binding.medium, binding.address), binding.user_id]),
    );
  }

  /** Reads a JSON array of `{"medium","address","user_id"}`; throws a message naming the bad entry. */
  static fromFile(path: string): StaticThreepidDirectory {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(
        `THREEPID_BINDINGS_FILE ${path}: cannot read it as JSON (${(error as Error).message}).`,
      );
    }
    if (!Array.isArray(parsed)) throw new Error(`THREEPID_BINDINGS_FILE ${path}: expected a JSON array.`);
    return new StaticThreepidDirectory(
      parsed.map((entry, index) => parseBinding(entry, `${path}[${index}]`)),
    );
  }

  async findUserId(threepid: Threepid): Promise<string | undefined> {
    return this.bindings.get(`${threepid.medium}:${threepid.address}`);
  }
}

function keyOf(medium: Medium, address: string): string {
  return `${medium}:${canonicalAddress(medium, address)}`;
}

function parseBinding(entry: unknown, where: string): ThreepidBinding {
  const { medium, address, user_id } = (entry ?? {}) as Record<string, unknown>;
  if (typeof medium !== 'string' || !(MEDIA as readonly string[]).includes(medium)) {
    throw new Error(`THREEPID_BINDINGS_FILE ${where}: "medium" must be "email" or "msisdn".`);
  }
  if (typeof address !== 'string' || typeof user_id !== 'string' || !/^@[^:]+:.+$/.test(user_id)) {
    throw new Error(
      `THREEPID_BINDINGS_FILE ${where}: needs a string "address" and a Matrix "user_id" like @alice:example.org.`,
    );
  }
  try {
    canonicalAddress(medium as Medium, address);
  } catch {
    throw new Error(`THREEPID_BINDINGS_FILE ${where}: "address" is not a valid ${medium} address.`);
  }
  return { medium: medium as Medium, address, user_id };
}
