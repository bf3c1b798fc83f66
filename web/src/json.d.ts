/**
 * The JSON modules the playground imports. The repository's tsconfig does not turn on
 * resolveJsonModule (core and cli read no JSON through imports), so the shape is declared here.
 */
declare module "pokemon/data/en.json" {
  const names: string[];
  export default names;
}
