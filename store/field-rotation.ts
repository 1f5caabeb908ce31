import type { Sql } from './db.ts';

/**
 * Moves every stored text to the current field key, a batch at a time: rows of an older key and
 * rows written before encryption are read and written again. Each batch is its own statement, so
 * the service keeps running meanwhile; a row changed in between (erased, say) is left as it is now.
 * Throws when a row's key is not configured: nothing is lost, and the run can be repeated.
 */
export interface RotationReport {
  replies: number;
  timeline: number;
}

export async function rotateFieldKeys(sql: Sql, options: { batchSize?: number; onBatch?: (done: RotationReport) => void } = {}): Promise<RotationReport> {
  const cipher = sql.fields;
  if (!cipher) throw new Error('rotating field keys needs a database handle with FIELD_KEYS');
  const batchSize = options.batchSize ?? 500;
  const prefix = `v1:${cipher.currentKeyId}:`;
  const done: RotationReport = { replies: 0, timeline: 0 };
  const move = (texts: string[]) => texts.map((t) => cipher.encrypt(cipher.decrypt(t)));

  for (let after = ''; ;) {
    const rows = await sql.query<{ id: string; body: string }>(
      'SELECT id, body FROM replies WHERE left(body, length($1)) <> $1 AND id > $2 ORDER BY id LIMIT $3',
      [prefix, after, batchSize],
    );
    if (rows.length === 0) break;
    const moved = await sql.query(
      `UPDATE replies r SET body = x.body FROM unnest($1::text[], $2::text[], $3::text[]) AS x (id, old, body)
       WHERE r.id = x.id AND r.body = x.old RETURNING r.id`,
      [rows.map((r) => r.id), rows.map((r) => r.body), move(rows.map((r) => r.body))],
    );
    done.replies += moved.length;
    after = rows[rows.length - 1]!.id;
    options.onBatch?.({ ...done });
  }

  for (let after = '0'; ;) {
    const rows = await sql.query<{ id: string; text: string }>(
      `SELECT id::text, detail->>'text' AS text FROM timeline
       WHERE jsonb_typeof(detail->'text') = 'string' AND left(detail->>'text', length($1)) <> $1 AND id > $2::bigint ORDER BY id LIMIT $3`,
      [prefix, after, batchSize],
    );
    if (rows.length === 0) break;
    const moved = await sql.query(
      `UPDATE timeline t SET detail = jsonb_set(t.detail, '{text}', to_jsonb(x.text)) FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x (id, old, text)
       WHERE t.id = x.id AND t.detail->>'text' = x.old RETURNING t.id`,
      [rows.map((r) => r.id), rows.map((r) => r.text), move(rows.map((r) => r.text))],
    );
    done.timeline += moved.length;
    after = rows[rows.length - 1]!.id;
    options.onBatch?.({ ...done });
  }
  return done;
}
