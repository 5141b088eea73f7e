/**
 * @module
 * Build-only entry: `deno bundle` turns this import into `static/islands/lib/web/uplot_css.css`,
 * uPlot's stylesheet served as a file (the CSP allows no inline styles). Never imported at run time.
 */
import "uplot/dist/uPlot.min.css";
