/**
 * Embedded redis-server of the sample, and the endpoints that stop and start it.
 */
package io.github.agentmemory.sample.embedded;
