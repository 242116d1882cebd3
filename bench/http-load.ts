import { mapConcurrently } from '../server/src/utils/map-concurrently';
import { percentile } from './stats';

/** Latency under load: `requests` calls spread over `clients` concurrent clients, each timed from send to full body. */

export interface LatencyFigures {
  clients: number;
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  requestsPerSecond: number;
}

export async function measureLatency(clients: number, requests: number, call: (i: number) => Promise<Response>): Promise<LatencyFigures> {
  const latencies: number[] = [];
  const started = performance.now();
  await mapConcurrently(
    Array.from({ length: requests }, (_, i) => i),
    clients,
    async (i) => {
      const sent = performance.now();
      const res = await call(i);
      const body = await res.text();
      if (!res.ok) throw new Error(`request ${i} answered ${res.status}: ${body.slice(0, 300)}`);
      latencies.push(performance.now() - sent);
    }
  );
  const seconds = (performance.now() - started) / 1000;
  return { clients, requests, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99), requestsPerSecond: requests / seconds };
}
