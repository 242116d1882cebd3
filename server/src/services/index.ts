import duplicates from './duplicates';
import pipeline from './pipeline';
import search from './search';
import status from './status';

const services = { duplicates, pipeline, search, status };

export type Services = { [K in keyof typeof services]: ReturnType<(typeof services)[K]> };

export default services;
