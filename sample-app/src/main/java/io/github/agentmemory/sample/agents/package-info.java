/**
 * HTTP API of the sample: agents' state and memories.
 */
package io.github.agentmemory.sample.agents;
