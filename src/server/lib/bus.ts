import { EventEmitter } from 'node:events';

/**
 * In-process signal that something committed: the engine wakes on it (DESIGN.md §5)
 * and live views subscribe to it. It carries no state that matters after a crash;
 * the rows do. Published only after the transaction commits.
 */
export interface IncidentChange {
  orgId: string;
  incidentId: string;
  serviceId: string;
  kind: 'triggered' | 'acknowledged' | 'unacknowledged' | 'resolved' | 'alert' | 'annotated' | 'assigned' | 'updated';
}

/** What a wake-up says: `triggered`, an incident was (re)triggered (its first step is due now). */
export interface Work {
  triggered: boolean;
}

export class Bus {
  private readonly ee = new EventEmitter();
  constructor() {
    this.ee.setMaxListeners(0);
  }
  publish(changes: IncidentChange[]): void {
    let work = false;
    let triggered = false;
    for (const c of changes) {
      this.ee.emit('incident', c);
      // An alert joining an open incident schedules nothing (no page, no webhook): during
      // an alert storm on one service the engine is not woken for every batch.
      if (c.kind !== 'alert') work = true;
      if (c.kind === 'triggered') triggered = true;
    }
    if (work) this.ee.emit('work', { triggered } satisfies Work);
  }
  onIncident(fn: (c: IncidentChange) => void): () => void {
    this.ee.on('incident', fn);
    return () => this.ee.off('incident', fn);
  }
  /** Work was committed that no incident change describes (a queued test message, say). */
  poke(): void {
    this.ee.emit('work', { triggered: false } satisfies Work);
  }
  /** Called once per publish that holds work for the engine (not per change), and on poke: the engine's wake-up. */
  onWork(fn: (w: Work) => void): () => void {
    this.ee.on('work', fn);
    return () => this.ee.off('work', fn);
  }
}
