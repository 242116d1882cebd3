/** The part of jsfive (a pure-JS HDF5 reader that ships no types) the plugin uses. */
declare module 'jsfive' {
  export class Group {
    keys: string[];
    attrs: Record<string, unknown>;
    get(path: string): Group | Dataset;
  }
  export class Dataset {
    shape: number[];
    dtype: string;
    value: ArrayLike<number>;
    attrs: Record<string, unknown>;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
