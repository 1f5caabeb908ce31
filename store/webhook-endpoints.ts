import type { Sql } from './db.ts';

/** A clinic's webhook endpoint as stored; the signing secret stays sealed here (lib/seal.ts). */
export interface WebhookEndpoint {
  id: string;
  clinicId: string;
  url: string;
  eventTypes: string[];
  includeReplyBody: boolean;
  secretSealed: string;
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  id: string;
  clinic_id: string;
  url: string;
  event_types: string[];
  include_reply_body: boolean;
  secret_sealed: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const fromRow = (r: Row): WebhookEndpoint => ({
  id: r.id, clinicId: r.clinic_id, url: r.url, eventTypes: r.event_types, includeReplyBody: r.include_reply_body,
  secretSealed: r.secret_sealed, enabled: r.enabled, createdAt: r.created_at, updatedAt: r.updated_at,
});

export async function createWebhookEndpoint(
  sql: Sql,
  e: { id: string; clinicId: string; url: string; eventTypes: string[]; includeReplyBody: boolean; secretSealed: string; enabled: boolean },
): Promise<WebhookEndpoint> {
  const [row] = await sql.query<Row>(
    `INSERT INTO webhook_endpoints (id, clinic_id, url, event_types, include_reply_body, secret_sealed, enabled)
     VALUES ($1, $2, $3, $4::text[], $5, $6, $7) RETURNING *`,
    [e.id, e.clinicId, e.url, e.eventTypes, e.includeReplyBody, e.secretSealed, e.enabled],
  );
  if (!row) throw new Error(`webhook endpoint ${e.id} was not stored`);
  return fromRow(row);
}

export async function listWebhookEndpoints(sql: Sql, clinicId: string): Promise<WebhookEndpoint[]> {
  const rows = await sql.query<Row>('SELECT * FROM webhook_endpoints WHERE clinic_id = $1 ORDER BY created_at, id', [clinicId]);
  return rows.map(fromRow);
}

export async function loadWebhookEndpoint(sql: Sql, clinicId: string, id: string): Promise<WebhookEndpoint | undefined> {
  const [row] = await sql.query<Row>('SELECT * FROM webhook_endpoints WHERE clinic_id = $1 AND id = $2', [clinicId, id]);
  return row && fromRow(row);
}

/** The enabled endpoints of a clinic that subscribe to this event type. */
export async function subscribedEndpoints(sql: Sql, clinicId: string, type: string): Promise<WebhookEndpoint[]> {
  const rows = await sql.query<Row>(
    'SELECT * FROM webhook_endpoints WHERE clinic_id = $1 AND enabled AND $2 = ANY(event_types) ORDER BY id',
    [clinicId, type],
  );
  return rows.map(fromRow);
}

/** Changes only the fields given; undefined when the clinic has no such endpoint. */
export async function updateWebhookEndpoint(
  sql: Sql,
  where: { clinicId: string; id: string },
  change: { url?: string; eventTypes?: string[]; includeReplyBody?: boolean; enabled?: boolean },
): Promise<WebhookEndpoint | undefined> {
  const [row] = await sql.query<Row>(
    `UPDATE webhook_endpoints SET url = coalesce($3, url), event_types = coalesce($4::text[], event_types),
       include_reply_body = coalesce($5, include_reply_body), enabled = coalesce($6, enabled), updated_at = now()
     WHERE clinic_id = $1 AND id = $2 RETURNING *`,
    [where.clinicId, where.id, change.url ?? null, change.eventTypes ?? null, change.includeReplyBody ?? null, change.enabled ?? null],
  );
  return row && fromRow(row);
}

/** Deletes the endpoint and, with it, what was still owed to it; false when there was none. */
export async function deleteWebhookEndpoint(sql: Sql, where: { clinicId: string; id: string }): Promise<boolean> {
  const rows = await sql.query('DELETE FROM webhook_endpoints WHERE clinic_id = $1 AND id = $2 RETURNING id', [where.clinicId, where.id]);
  return rows.length > 0;
}
