/**
 * LogQL, parsed with Loki's grammar as Grafana's own query editor parses it
 * (@grafana/lezer-logql, Apache-2.0; Grafana's Loki editor validates with the same parser:
 * public/app/plugins/datasource/loki/components/monaco-query-field/…/validation.ts). A syntax
 * check: it accepts some queries Loki rejects (an invalid regex, no non-empty matcher).
 */
import { parser } from "@grafana/lezer-logql";

export interface LogqlError {
  /** Offsets of the error node in the expression. */
  from: number;
  to: number;
  /** The text around it, for the message. */
  near: string;
}

/** The first error node (`⚠`) of the parse, or undefined when `expr` parses. */
export function logqlError(expr: string): LogqlError | undefined {
  let found: LogqlError | undefined;
  parser.parse(expr).iterate({
    enter: (n) => {
      if (found) return false;
      if (n.type.isError) {
        found = { from: n.from, to: n.to, near: expr.slice(Math.max(0, n.from - 12), n.to + 12) };
        return false;
      }
      return undefined;
    },
  });
  return found;
}

/** Grafana's variables are not LogQL: sample values in their place (as the PromQL tests do). */
export function withLogqlVariables(expr: string): string {
  return expr
    .replace(/\$\$/g, "$")
    .replace(/\$\{__span\.traceId\}/g, "0123456789abcdef0123456789abcdef")
    .replace(/\$\{__field\.labels\.[a-z_]+(:[a-z]+)?\}/g, "x")
    .replace(/\$__(rate_)?interval|\$__auto|\$__range/g, "5m");
}

/** Every expression that does not parse, with where: empty when all do. */
export function logqlErrors(exprs: readonly string[]): string[] {
  return exprs.flatMap((expr) => {
    const e = logqlError(withLogqlVariables(expr));
    return e ? [`${expr}: parse error at ${e.from}-${e.to}, near "${e.near}"`] : [];
  });
}
