/**
 * A small agent-memory service built on the agent-memory-redis starter.
 */
package io.github.agentmemory.sample;
