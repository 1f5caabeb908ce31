import { z } from 'zod';
import { carePlanSchema, type CarePlan } from '../core/care-plan.ts';
import { defaultTreatmentPlans, treatmentSchema, type Treatment } from '../core/treatment.ts';
import { isTemplateKey } from '../templates/index.ts';

/**
 * The clinic file's `treatments`: a session plan per treatment given. Shipped defaults apply to the
 * treatments a clinic does not name (esketamine's own no-driving note); others use `plans.session`.
 */
export const treatmentPlansSchema = z
  .partialRecord(treatmentSchema, carePlanSchema)
  .default({})
  .transform((given): Partial<Record<Treatment, CarePlan>> => {
    const defaults = Object.fromEntries(Object.entries(defaultTreatmentPlans).map(([t, steps]) => [t, carePlanSchema.parse(steps)]));
    return { ...defaults, ...given };
  })
  .superRefine((plans, ctx) => {
    for (const [treatment, steps] of Object.entries(plans)) {
      steps?.forEach((step, i) => {
        if (!isTemplateKey(step.template))
          ctx.addIssue({ code: 'custom', path: [treatment, i, 'template'], message: `names missing template "${step.template}"` });
        if (step.toEscort && !isTemplateKey(`${step.template}-escort`))
          ctx.addIssue({ code: 'custom', path: [treatment, i, 'template'], message: `goes to the escort but template "${step.template}-escort" is missing` });
      });
    }
  });
