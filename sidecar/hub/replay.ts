/**
 * Recognises trades an exchange sends again. Several exchanges push a snapshot of recent trades
 * when a topic is (re)subscribed, so a planned connection recycle (a second socket subscribing
 * while the first still streams) or a quick reconnect replays trades already received; counted
 * twice they would inflate trade-built bars and reach clients twice.
 */

/** The most recent trade ids of one topic (a bounded window: replays are of the latest trades). */
export class RecentTradeIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 256) {}

  /** true when `id` is among the recent ones (a replay); otherwise records it. Empty ids are never replays. */
  replayed(id: string): boolean {
    if (id === '') return false;
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return false;
  }
}
