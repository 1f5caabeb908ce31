import { classifyReply, type ReplyClass } from '../../core/classify-reply.ts';
import type { CorpusLine, Label } from './reply-corpus.ts';

// The label a reply class stands for, in the corpus's words.
export function labelOf(reply: ReplyClass): Label {
  switch (reply.kind) {
    case 'crisis': return 'urgent';
    case 'symptom': return 'attention';
    case 'score': return reply.level === 'attention' ? 'attention' : 'recorded';
    case 'other': return 'review';
    default: return reply.kind;
  }
}

export const classifyLine = (line: CorpusLine): ReplyClass => classifyReply(line.text, { checkinOpen: line.checkinOpen, plan: line.plan });
