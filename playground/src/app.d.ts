// Only here so playground/tsconfig.json has an input; see the note there.
export {};
