/** picocli commands ({@code train}, {@code bench}, …): parse flags, build configs, run; no math here. */
package dev.bigbatch.cli;
