/** One line of `npm run status`: what it looked at, what it found, and whether that needs a person. */
export type Level = "ok" | "attention" | "info";

export interface Row {
  section: string;
  what: string;
  value: string;
  level: Level;
  why?: string;
}
