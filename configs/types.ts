/** A file the program uploads into a container (no host bind mount, so a remote Docker host works). */
export interface ConfigFile {
  /** Absolute path inside the container. */
  path: string;
  /** Exact bytes to write; builders must be deterministic so an unchanged stack previews with no diff. */
  content: string;
}
