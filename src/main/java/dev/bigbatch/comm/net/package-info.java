/**
 * Socket plumbing shared by the transport and the rendezvous store: the per-job secret, the HMAC-SHA256
 * challenge/response every connection must pass, and blocking reads/writes with a deadline.
 *
 * <p>Knows nothing about ranks' roles, collectives, reductions or key-value semantics; it must not use
 * Java object serialization (all bytes are fixed-size or length-prefixed binary).
 */
package dev.bigbatch.comm.net;
