package io.github.agentmemory.sample.embedded;

import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Points Spring Boot 4.1's Redis connection at the embedded server with a
 * {@link DataRedisConnectionDetails} bean (Boot 3.5 named the type {@code RedisConnectionDetails}; the default profile compiles
 * src/boot3/java's twin of this class instead).
 * Imported by {@link EmbeddedRedisConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class EmbeddedRedisConnectionConfiguration {

	@Bean
	DataRedisConnectionDetails embeddedRedisConnectionDetails(EmbeddedRedis embeddedRedis) {
		return new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of("127.0.0.1", embeddedRedis.getPort());
			}

		};
	}

}
