package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisHealthIndicator;
import io.github.agentmemory.redis.actuate.LatencyMonitor;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the {@code agentMemoryRedis} health indicator and its background
 * latency probe. Switched off with
 * {@code management.health.agent-memory-redis.enabled=false}.
 *
 * @author agent-memory-redis
 */
@AutoConfiguration(after = AgentMemoryRedisAutoConfiguration.class)
@ConditionalOnClass(name = BootHealth.HEALTH_INDICATOR)
@ConditionalOnBean(AsyncResilientRedisTemplate.class)
@BootHealth.ConditionalOnEnabledAgentMemoryRedisHealth
public class AgentMemoryRedisHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LatencyMonitor agentMemoryRedisLatencyMonitor(AsyncResilientRedisTemplate template,
			ObjectProvider<ResilienceScheduler> scheduler, AgentMemoryRedisProperties properties) {
		return new LatencyMonitor(template, scheduler.getObject().getExecutor(),
				properties.getHealth().getLatencyInterval());
	}

	@Bean
	@ConditionalOnMissingBean(name = "agentMemoryRedisHealthIndicator")
	AgentMemoryRedisHealthIndicator agentMemoryRedisHealthIndicator(AsyncResilientRedisTemplate template,
			CircuitBreaker agentMemoryRedisCircuitBreaker, ObjectProvider<CircuitBreakerRouting> circuitBreakerRouting,
			ObjectProvider<LatencyMonitor> latencyMonitor, AgentMemoryRedisProperties properties,
			ObjectProvider<RecoveryJournal> recoveryJournal) {
		return new AgentMemoryRedisHealthIndicator(template,
				circuitBreakerRouting.getIfAvailable(() -> CircuitBreakerRouting.single(agentMemoryRedisCircuitBreaker)),
				latencyMonitor.getIfAvailable(),
				properties.getHealth().isDownWhenOpen(), recoveryJournal.getIfAvailable());
	}

}
