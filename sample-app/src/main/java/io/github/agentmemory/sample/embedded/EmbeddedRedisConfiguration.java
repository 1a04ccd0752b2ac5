package io.github.agentmemory.sample.embedded;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Starts an embedded {@code redis-server} and points Spring Boot's Redis connection at it,
 * unless {@code sample.embedded-redis.enabled=false}, in which case
 * {@code spring.data.redis.*} decides where Redis is.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sample.embedded-redis.enabled", havingValue = "true", matchIfMissing = true)
@Import(EmbeddedRedisConnectionConfiguration.class)
class EmbeddedRedisConfiguration {

	@Bean
	EmbeddedRedis embeddedRedis(@Value("${sample.embedded-redis.port:0}") int port,
			@Value("${sample.embedded-redis.down-at-start:false}") boolean downAtStart) {
		return new EmbeddedRedis(port, !downAtStart);
	}

}
