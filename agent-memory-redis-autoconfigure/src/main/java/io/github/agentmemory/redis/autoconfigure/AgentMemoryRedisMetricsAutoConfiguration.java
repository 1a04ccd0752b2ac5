package io.github.agentmemory.redis.autoconfigure;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisMetrics;
import io.github.agentmemory.redis.recovery.RecoveryCounters;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration
 * Auto-configuration} of the recovery queue's Micrometer meters.
 *
 * @author agent-memory-redis
 */
@AutoConfiguration(after = AgentMemoryRedisAutoConfiguration.class,
		afterName = {
				// Spring Boot 3.5's and 4.1's meter registry
				"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({ AsyncResilientRedisTemplate.class, MeterRegistry.class })
public class AgentMemoryRedisMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	AgentMemoryRedisMetrics agentMemoryRedisMetrics(RecoveryQueue agentMemoryRedisRecoveryQueue,
			RecoveryCounters agentMemoryRedisRecoveryCounters, ObjectProvider<RecoveryJournal> recoveryJournal) {
		return new AgentMemoryRedisMetrics(agentMemoryRedisRecoveryQueue, agentMemoryRedisRecoveryCounters,
				recoveryJournal.getIfAvailable());
	}

}
