import duplicates from './duplicates';
import pipeline from './pipeline';
import reconcile from './reconcile';
import search from './search';
import status from './status';

const services = { duplicates, pipeline, reconcile, search, status };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };

export default services;
