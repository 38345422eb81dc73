// Planted bugs of the Realtime server itself, so the load gates can be seen to fail:
// SYNCWRIGHT_RT_PLANTED=drop-deliveries drops every 50th postgres_changes delivery.
const KNOWN = ['drop-deliveries'] as const;
const value = process.env.SYNCWRIGHT_RT_PLANTED ?? '';
if (value && !(KNOWN as readonly string[]).includes(value)) {
  throw new Error(`SYNCWRIGHT_RT_PLANTED '${value}' is not a known server planted bug (${KNOWN.join(', ')})`);
}

let deliveries = 0;

/** True for the deliveries the planted bug loses. */
export function dropDelivery(): boolean {
  return value === 'drop-deliveries' && ++deliveries % 50 === 0;
}
