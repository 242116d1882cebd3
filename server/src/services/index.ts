import duplicates from './duplicates';
import pipeline from './pipeline';
import reindex from './reindex';
import search from './search';
import status from './status';

const services = { duplicates, pipeline, reindex, search, status };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };

export default services;
