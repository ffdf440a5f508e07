/** CSS files are bundled by esbuild into one stylesheet per page; importing one yields nothing. */
declare module '*.css';
