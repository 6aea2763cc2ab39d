/** `@ra/plugin-upnp/node`: the port mapper on its own, for tools and the NAT lab's specs. */
export { PortMapper, DEFAULT_OPTIONS, type MapperOptions, type MappingProtocol, type PortMapping } from './port-mapper.js';
