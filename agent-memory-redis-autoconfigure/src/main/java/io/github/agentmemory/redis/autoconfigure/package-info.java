/**
 * Auto-configuration of the resilient Redis templates and their properties.
 */
package io.github.agentmemory.redis.autoconfigure;
