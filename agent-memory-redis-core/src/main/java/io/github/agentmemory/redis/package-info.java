/**
 * Resilient Redis templates that keep working, and keep writes, while Redis is away.
 */
package io.github.agentmemory.redis;
