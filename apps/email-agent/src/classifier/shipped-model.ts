/**
 * The naive Bayes model that ships with the agent, trained on training/labelled-emails.jsonl
 * by training/train-classifier.ts (its held-back accuracy: README "Classifier"). Imported,
 * so the build copies it beside the code and the container needs no file of its own.
 */
import model from './email-model.json';
import type { NaiveBayesModel } from './naive-bayes';

export const shippedModel: NaiveBayesModel = model;
