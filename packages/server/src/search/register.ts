import type { Register } from '../http/capability.js';
import { searchRoutes } from './routes.js';
import type { SearchService } from './service.js';

export interface SearchRouteServices {
  readonly search: SearchService;
}

/** The search API, over the caller's notes (and public ones when asked). */
export const registerSearch: Register<SearchRouteServices> = (scopes, { search }) => {
  scopes.identified.add(searchRoutes(search));
};
