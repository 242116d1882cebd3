import duplicates from './duplicates';
import pipeline from './pipeline';
import rebuild from './rebuild';
import reconcile from './reconcile';
import search from './search';
import status from './status';

const services = { duplicates, pipeline, rebuild, reconcile, search, status };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };

export default services;
